/** The tokentrail command: configuration, startup, graceful shutdown. */
package dev.tokentrail.server;
