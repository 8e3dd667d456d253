"""The shared kernel: infrastructure every business package uses, and no business rules."""
