"""Bulk enrolment from the spreadsheet a program already has (pure): read it, map its columns, find each person
in the workspace directory, and preview what importing it would do before anything is stored."""
