FROM alpine
RUN <<EOF
  echo hi  
EOF
run  echo  done  
