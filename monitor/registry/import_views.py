"""Officer pages to import registry records from CSV and XLSX."""
