module github.com/pagoda-os/pagoda

go 1.26.0

require github.com/usbarmory/tamago v1.26.0

require golang.org/x/arch v0.32.0

tool github.com/usbarmory/tamago/cmd/tamago
