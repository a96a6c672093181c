@NullMarked
package dev.gatehouse.plugins.transform;

import org.jspecify.annotations.NullMarked;
