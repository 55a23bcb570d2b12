"""Dialogue scripts and content files: loading, versions, validation, diagrams."""
