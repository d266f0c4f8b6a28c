"""The workflow definitions (*.asl.json) and their loader (asl.py)."""
