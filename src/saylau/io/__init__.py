"""Readers and writers at the edges: files in, plain data out."""
