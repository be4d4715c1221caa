/**
 * The owner-thread loop shared by the agent's desired-state controllers (routes, overlay devices, NAT
 * tables, uplink detection): setters change memory and wake it; it takes a snapshot under the controller's
 * lock and applies it outside, on a periodic resync and again after a failure.
 */
package dev.viaduct.agent.reconcile;
