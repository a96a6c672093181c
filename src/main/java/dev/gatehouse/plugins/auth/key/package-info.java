@NullMarked
package dev.gatehouse.plugins.auth.key;

import org.jspecify.annotations.NullMarked;
