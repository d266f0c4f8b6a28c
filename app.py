#!/usr/bin/env python3
"""CDK entry point (cdk.json runs it): `npx aws-cdk synth`, or `python app.py` with CDK_OUTDIR set."""

from infra.app import main

main()
