"""Entry point: `python -m service` prints what it would process, then exits."""

import getpass
import os

import labcli
import labmath


def main():
    print(f"worker as {getpass.getuser()} (uid {os.getuid()}) in {os.getcwd()}", flush=True)
    print(labmath.hello(), labcli.hello(), sep="\n")


if __name__ == "__main__":
    main()
