/**
 * The {@code viaduct} command line: {@link dev.viaduct.cli.Main} wires every subcommand (agent, bfdd, cni,
 * bgp, ctl, lab) by hand, with no framework. Each subcommand lives next to the feature it starts and only parses
 * options here; the work happens in the feature's module.
 */
package dev.viaduct.cli;
