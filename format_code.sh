#!/usr/bin/env bash
# Format the code (PEP 8 with autopep8, imports with isort) and lint it.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m pip install -q 'autopep8>=2' 'isort>=5' 'flake8>=7'
paths="mistral_actions tests tools bench"
python3 -m isort --force-single-line-imports --lines-after-imports 2 \
    --skip-glob '*/sample_actions/*' $paths
python3 -m autopep8 --in-place --recursive --max-line-length 79 $paths
python3 -m flake8 --max-line-length 79 --exclude '.tox,.ci-venv' $paths
