/**
 * Built-in plugins: authentication, heartbeats, path aliases, proxying and Bean Validation of bodies.
 */
@NullMarked
package io.teleport.plugins;

import org.jspecify.annotations.NullMarked;
