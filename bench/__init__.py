"""Benchmarks of Parcours (`make bench` runs every module's `main()`)."""
