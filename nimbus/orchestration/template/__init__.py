"""Templates: HOT and CloudFormation documents read, checked and evaluated."""
