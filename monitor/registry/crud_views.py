"""Officer pages to list, view, create and edit registry records."""
