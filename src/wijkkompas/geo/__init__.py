"""Geography: CBS region codes, the area hierarchy, boundary files."""
