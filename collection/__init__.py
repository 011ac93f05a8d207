"""Base data of GB/T 31000: people, houses, organisations, places, visits."""
