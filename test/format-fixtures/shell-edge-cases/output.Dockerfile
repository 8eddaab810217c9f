FROM alpine
RUN echo a\  \
    b
RUN printf $'tab\there \
   kept' > /x
RUN echo start # a shell comment \
    continues here
RUN echo "$(printf '%s' "x \
   y")"
RUN echo `echo a \
    b`
