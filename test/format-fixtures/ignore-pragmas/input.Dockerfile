FROM alpine
# prettier-ignore
run    echo   keep    this
# dockerfix-ignore

copy   a   b
run    echo   formatted
# dockerfix-ignore-start
env   A=1   B=2
run   echo   region  


# dockerfix-ignore-end
run    echo   formatted too
