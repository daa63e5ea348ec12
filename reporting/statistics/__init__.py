"""Province statistics from approved reports: annexes, rankings, the annex workbook and
the pages."""
