"""Reading and validating inputs: tables, panels, published results, province names, paths.

The lowest layer: imports nothing else of the package."""
