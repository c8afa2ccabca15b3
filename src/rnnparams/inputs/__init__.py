"""Everything that turns user input into a `ModelSpec`."""
