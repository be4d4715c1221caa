/**
 * The standalone speaker's configuration file (YAML or JSON) turned into a
 * {@link dev.viaduct.bgp.speaker.SpeakerConfig}, with errors that name the field. The agent builds its
 * configuration records directly and does not use this package.
 */
package dev.viaduct.bgp.config;
