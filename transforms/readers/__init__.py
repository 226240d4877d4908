"""The readers: a report file's bytes in, its text lines and rows of cells out."""
