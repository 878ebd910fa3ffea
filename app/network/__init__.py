"""A network of PRE: signed share files of yearly indicators and the consolidated département table."""
