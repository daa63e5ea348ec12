"""The demo: the 2017 bulletin's bases and figures for seed_demo."""
