"""`python -m estimator.schemas`: regenerate the shipped JSON Schemas."""

from estimator.schemas import write

for written in write():
    print(f"wrote {written}")
