"""Catalog: vendor files and the synthetic demo market into a Nautilus ``ParquetDataCatalog``."""
