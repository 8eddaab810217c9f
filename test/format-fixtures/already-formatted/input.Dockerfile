# syntax=docker/dockerfile:1
FROM python:3.12-slim AS base
WORKDIR /app
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r requirements.txt
ENV PYTHONUNBUFFERED=1 \
    PORT=8000

FROM base
COPY . .
CMD ["python", "-m", "app"]
