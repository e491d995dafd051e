"""Analysis results and programme aggregates as charts, HTML, PDF and XLSX.

No Flask here (reports are built from the CLI or a worker too); disclosure control lives here.
"""
