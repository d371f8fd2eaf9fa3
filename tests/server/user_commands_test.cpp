// Filled in by its owner; kept so that the test list is fixed.
