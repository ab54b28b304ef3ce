"""Data in: schema, readers, validation, store, boundaries, gazetteer, simulator."""
