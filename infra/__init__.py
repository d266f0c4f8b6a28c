"""The AWS CDK app for Salon Insights (entry point: app.py; deploy guide: docs/deploy.md)."""
