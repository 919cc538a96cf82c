"""`python -m pii_analysis.demo`: see pii_analysis.demo.cli."""
from pii_analysis.demo.cli import main

main()
