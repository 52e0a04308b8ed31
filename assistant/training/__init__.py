"""Training of the judgment heads from the public datasets under a data root (``assistant train``)."""
