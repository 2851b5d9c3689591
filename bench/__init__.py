"""The tasksync benchmark (`just bench`); see `bench/run.py`."""
