

# syntax=docker/dockerfile:1
from alpine
