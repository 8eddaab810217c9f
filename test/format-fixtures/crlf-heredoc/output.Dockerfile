FROM alpine
RUN <<EOF
  echo hi  
EOF
RUN echo  done
