"""The yearly bulletin: the draft text, the Word document and the page."""
