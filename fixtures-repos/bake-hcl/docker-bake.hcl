variable "NODE_VERSION" {
  default = "20"
}

variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["app", "worker"]
}

target "_common" {
  context    = "."
  dockerfile = "docker/Dockerfile"
  args = {
    NODE_VERSION = "${NODE_VERSION}"
  }
}

target "app" {
  inherits = ["_common"]
  target   = "web"
  tags     = ["example/app:${TAG}"]
}

target "worker" {
  inherits = ["_common"]
  target   = "worker"
  args = {
    BUILD_DATE = "${timestamp()}"
  }
}
