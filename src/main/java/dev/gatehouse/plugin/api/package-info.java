@NullMarked
package dev.gatehouse.plugin.api;

import org.jspecify.annotations.NullMarked;
