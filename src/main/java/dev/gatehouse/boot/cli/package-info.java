@NullMarked
package dev.gatehouse.boot.cli;

import org.jspecify.annotations.NullMarked;
