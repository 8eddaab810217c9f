FROM alpine
CMD ["echo", "tab\there", "quote\"d", "uni\u0041"]
ENTRYPOINT ["/bin/sh", "-c"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --chown=app ["src dir/", "/app/"]
VOLUME ["/data"]
CMD ["spaces   inside", \
    "second"]
CMD []
