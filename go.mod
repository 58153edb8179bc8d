module github.com/pagoda-os/pagoda

go 1.26.0

require github.com/usbarmory/tamago v1.26.0

tool github.com/usbarmory/tamago/cmd/tamago
