"""The data workbook: reading and writing it, the import, the exports and their pages."""
