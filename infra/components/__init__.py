"""CDK constructs, one per capability; the stacks compose them."""
