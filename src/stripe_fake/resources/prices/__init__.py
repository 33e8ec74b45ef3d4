"""Prices: state and rules (models.py), HTTP (responses.py), routes (urls.py)."""
