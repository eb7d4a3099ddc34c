"""AWS CDK app: settings, stages, stacks and constructs."""
