"""Reports: PDF and Markdown evidence packs."""
