FROM alpine
RUN echo "keep    \
        these spaces" && \
    printf '%s\n' 'single \
      quoted'
RUN x="$(echo "nested \
   quote")" && echo "$x"
LABEL description="a long \
      description"
